# Project helpers shared by every libs/<area> and services/<name> folder.

# hbsync_library(<area> SOURCES ... DEPS ...)
# Creates target hbsync_<area> with public headers in libs/<area>/include.
function(hbsync_library area)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(hbsync_${area} STATIC ${ARG_SOURCES})
  add_library(hbsync::${area} ALIAS hbsync_${area})
  target_include_directories(hbsync_${area} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(hbsync_${area} PUBLIC ${ARG_DEPS})
endfunction()

# hbsync_test(<name> SOURCES ... DEPS ... [LABELS ...] [FIXTURES ...] [TIMEOUT s] [RUN_SERIAL])
# A GoogleTest binary registered with ctest as one test. LABELS: unit,
# integration, e2e, fault. FIXTURES: ctest fixtures it needs (redis, kafka).
function(hbsync_test name)
  cmake_parse_arguments(ARG "RUN_SERIAL" "TIMEOUT" "SOURCES;DEPS;LABELS;FIXTURES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name} --gtest_color=no)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "HBSYNC_TEST_ENV_FILE=${CMAKE_BINARY_DIR}/test-env/env;HBSYNC_BIN_DIR=${CMAKE_BINARY_DIR}/bin")
  if(ARG_FIXTURES)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "${ARG_FIXTURES}")
  endif()
  if(ARG_RUN_SERIAL)
    set_tests_properties(${name} PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()

# hbsync_executable(<binary-name> SOURCES ... DEPS ...)
# All binaries land in <build>/bin so scripts and tests find them in one place.
function(hbsync_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endfunction()
