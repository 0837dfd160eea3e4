{
  "targets": [
    {
      "target_name": "sonde_native",
      "sources": [
        "src/addon.cc",
        "src/errors.cc",
        "src/features.cc",
        "src/globals.cc",
        "src/iter.cc",
        "src/maps.cc",
        "src/object.cc",
        "src/ringbuf.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lbpf", "-lelf", "-lz"]
    }
  ]
}
