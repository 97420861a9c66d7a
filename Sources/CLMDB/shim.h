// CLMDB: the system library's header, seen by exactly one Swift module.
// Imported only by the Graph engine.
#pragma once
#include <lmdb.h>
