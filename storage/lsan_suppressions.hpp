// Sanitizer builds only: a LeakSanitizer suppression for libpqxx 6.4 (Debian
// 12's libpqxx-dev). When the server goes away in the middle of a statement,
// libpqxx 6.4 throws broken_connection ("Could not obtain client encoding")
// before it has taken ownership of libpq's PGresult, which then leaks (about
// 2 KiB per lost connection). That is in the library, not here; every other
// leak is still reported. Include this from exactly one file per executable.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define HINDSIGHT_LSAN_SUPPRESSIONS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HINDSIGHT_LSAN_SUPPRESSIONS 1
#endif
#endif

#ifdef HINDSIGHT_LSAN_SUPPRESSIONS
extern "C" const char* __lsan_default_suppressions() { return "leak:libpqxx-6.4.so\n"; }
#endif
