{
  "targets": [
    {
      "target_name": "onednn_kernels",
      "sources": ["src/kernels.cc", "src/elementwise.cc", "src/elementwise_napi.cc",
                  "src/binary.cc", "src/unary.cc", "src/reduce.cc", "src/layout.cc", "src/index.cc", "src/pool.cc", "src/resize.cc", "src/matmul.cc", "src/softmax.cc", "src/memory.cc", "src/spectral_norm.cc", "src/heap.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fopenmp", "-fexceptions", "-fno-math-errno"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
