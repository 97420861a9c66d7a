// COpenSSL: the system library's headers, seen by exactly two Swift modules.
// Crypto uses libcrypto (RS256, AES-GCM, HMAC, random bytes); HTTPClient uses libssl (TLS client).
#pragma once
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/hmac.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

// The libssl calls below are macros over SSL_ctrl/SSL_CTX_ctrl (or macro constants built from
// other macros), which Swift cannot import; these wrappers let the C compiler check the types.

/// SSL_CTX_set_min_proto_version (a macro in OpenSSL 3.0).
static inline int COpenSSL_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

/// TLS1_2_VERSION as a value.
static inline int COpenSSL_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }

/// SSL_set_tlsext_host_name (a macro): the SNI name sent in the ClientHello.
static inline int COpenSSL_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

/// SSL_CTX_set_mode (a macro): partial writes and a moving write buffer, needed for non-blocking sockets.
static inline void COpenSSL_SSL_CTX_set_nonblocking_modes(SSL_CTX *ctx) {
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

/// Treat a peer that closes without close_notify as end of stream (framing still detects cut-off bodies).
static inline void COpenSSL_SSL_CTX_ignore_unexpected_eof(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION);
}
