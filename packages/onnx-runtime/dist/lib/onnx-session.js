"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.OnnxSession = void 0;
function ort() {
    return require('onnxruntime-node');
}
/** An output as float32: float32 data is handed over as is, other numeric types are converted. */
function toOnnxTensor(t, where) {
    if (t.type === 'float32')
        return { data: t.data, dims: t.dims.slice() };
    if (t.type === 'string' || t.type === 'bool')
        throw new Error(`${where}: a ${t.type} output cannot be read as float32`);
    return { data: Float32Array.from(t.data, Number), dims: t.dims.slice() };
}
/** An onnxruntime-node inference session on the CPU (sequential execution, all graph optimisations). */
class OnnxSession {
    session;
    source;
    constructor(session, 
    /** The file the model came from, or `<onnx model>` for bytes (used in errors). */
    source) {
        this.session = session;
        this.source = source;
    }
    /** Opens a model from a file or from its bytes. */
    static async open(model, options = {}) {
        const { InferenceSession: Session } = ort();
        const sessionOptions = { interOpNumThreads: 1, graphOptimizationLevel: 'all' };
        if (options.threads !== undefined) {
            if (!Number.isInteger(options.threads) || options.threads < 1)
                throw new RangeError(`OnnxSession: threads must be an integer ≥ 1, received ${options.threads}`);
            sessionOptions.intraOpNumThreads = options.threads;
        }
        const source = typeof model === 'string' ? model : '<onnx model>';
        const session = typeof model === 'string' ? await Session.create(model, sessionOptions) : await Session.create(model, sessionOptions);
        return new OnnxSession(session, source);
    }
    get inputNames() {
        return this.session.inputNames;
    }
    get outputNames() {
        return this.session.outputNames;
    }
    get inputMetadata() {
        return this.session.inputMetadata;
    }
    get outputMetadata() {
        return this.session.outputMetadata;
    }
    /** Runs with inputs in `inputNames` order; returns every output in `outputNames` order. */
    async run(inputs) {
        const names = this.inputNames;
        if (inputs.length !== names.length)
            throw new Error(`${this.source}: expects inputs ${names.join(', ')}; got ${inputs.length}`);
        const out = await this.runNamed(Object.fromEntries(names.map((n, i) => [n, inputs[i]])));
        return this.outputNames.map((n) => out[n]);
    }
    /** Runs with inputs by name; returns the outputs named in `fetches` (default: all) by name. */
    async runNamed(feeds, fetches) {
        const { Tensor: OrtTensor } = ort();
        const ortFeeds = {};
        for (const [name, t] of Object.entries(feeds))
            ortFeeds[name] = new OrtTensor('float32', t.data, t.dims);
        const results = fetches ? await this.session.run(ortFeeds, [...fetches]) : await this.session.run(ortFeeds);
        const out = {};
        for (const [name, t] of Object.entries(results))
            out[name] = toOnnxTensor(t, `${this.source}: output '${name}'`);
        return out;
    }
    /** Frees the native session. */
    async release() {
        await this.session.release();
    }
}
exports.OnnxSession = OnnxSession;
//# sourceMappingURL=onnx-session.js.map