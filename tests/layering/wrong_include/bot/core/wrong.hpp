// A core header reaching into storage: the layering check must reject it
// (tests/CMakeLists.txt, "layering: a wrong include is caught").
#pragma once

#include "bot/core/time.hpp"
#include "storage/database.hpp"
