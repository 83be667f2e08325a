/**
 * Tests run the CLI from its TypeScript sources exactly as `npx semadapt`
 * does: through the package's bin loader (packages/pipeline/bin/register-ts.js).
 */
'use strict';
require('../../bin/register-ts.js');
