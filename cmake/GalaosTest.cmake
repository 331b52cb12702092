# galaos_add_test(NAME <name> SOURCES <files...> LIBS <libs...> [LABELS <labels...>])
# One gtest executable; every TEST in it becomes its own ctest case, labelled with LABELS
# (default: the executable's name) so `ctest -L <label>` runs one suite.
function(galaos_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest_main GTest::gmock galaos_settings)
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${T_NAME} PRIVATE
    GALAOS_SOURCE_DIR="${PROJECT_SOURCE_DIR}" GALAOS_BINARY_DIR="${PROJECT_BINARY_DIR}"
    GALAOS_CLI_PATH="$<TARGET_FILE:galaos-updater>")
  if(NOT T_LABELS)
    set(T_LABELS ${T_NAME})
  endif()
  string(REPLACE ";" "\\;" labels "${T_LABELS}")
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600 LABELS "${labels}")
endfunction()
