// COpenSSL: the system library's header, seen by exactly one Swift module.
// Imported only by the Crypto engine (RS256, AES-GCM, HMAC, random bytes).
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
