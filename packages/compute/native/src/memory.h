// Tensor memory of the native backend (memory.cc).
#pragma once
#include <napi.h>

void RegisterMemory(Napi::Env env, Napi::Object exports);
