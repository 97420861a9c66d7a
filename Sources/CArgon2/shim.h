// CArgon2: the system library's header, seen by exactly one Swift module.
// Imported only by the Crypto engine (argon2id password hashing).
#pragma once
#include <argon2.h>
