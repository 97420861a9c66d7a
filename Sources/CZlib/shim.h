// CZlib: zlib for the Cache engine (value compression) and HTTP (gzip bodies).
// deflateInit2/inflateInit2 are macros over *_ functions that take ZLIB_VERSION and
// sizeof(z_stream); these wrappers let Swift call them.
#pragma once
#include <zlib.h>

/// deflateInit2 for Swift. windowBits 15 = zlib, 31 = gzip, -15 = raw deflate.
static inline int CZlib_deflateInit2(z_stream *strm, int level, int windowBits) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}

/// inflateInit2 for Swift. windowBits 15 = zlib, 31 = gzip, 47 = auto-detect zlib or gzip.
static inline int CZlib_inflateInit2(z_stream *strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
