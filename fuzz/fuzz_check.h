// What a fuzz target does when an invariant breaks: report it and abort, so that libFuzzer
// saves the input and the seed-corpus replay fails.
#pragma once

#include <cstdio>
#include <cstdlib>

#define SLUICE_FUZZ_CHECK(condition)                                                         \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)
