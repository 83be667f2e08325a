// Adds the normalization and optimizer entry points to the addon's exports.
#pragma once
#include <napi.h>

void RegisterElementwise(Napi::Env env, Napi::Object exports);
