# galaos_add_test(NAME <name> SOURCES <files...> LIBS <libs...> [LABELS <label>] [DOCKER])
# One gtest executable; every TEST in it becomes its own ctest case, labelled with LABELS
# (default: the executable's name) so `ctest -L <label>` runs one suite. One label only:
# gtest_discover_tests does not carry a list through PROPERTIES (it kept the first label and
# lost the properties after it, FIXTURES_REQUIRED included).
# DOCKER: the tests need the real Docker engine and registry of scripts/docker-engine.sh;
# ctest starts them once before the first such test and stops them after the last; the tests
# find them at GALAOS_TEST_DOCKER_HOST and GALAOS_TEST_REGISTRY (compile definitions).
set(GALAOS_DOCKER_HOST "unix:///tmp/galaos-docker/docker.sock")
set(GALAOS_TEST_REGISTRY "127.0.0.1:5000")

function(galaos_add_docker_fixture)
  set(owner_file "${PROJECT_BINARY_DIR}/docker-engine.started")
  add_test(NAME docker_engine_start COMMAND ${PROJECT_SOURCE_DIR}/scripts/docker-engine.sh start)
  add_test(NAME docker_engine_stop COMMAND ${PROJECT_SOURCE_DIR}/scripts/docker-engine.sh stop)
  set_tests_properties(docker_engine_start PROPERTIES FIXTURES_SETUP docker_engine
    ENVIRONMENT "GALAOS_DOCKER_OWNER_FILE=${owner_file}" LABELS docker)
  set_tests_properties(docker_engine_stop PROPERTIES FIXTURES_CLEANUP docker_engine
    ENVIRONMENT "GALAOS_DOCKER_OWNER_FILE=${owner_file}" LABELS docker)
endfunction()

function(galaos_add_test)
  cmake_parse_arguments(T "DOCKER" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest_main GTest::gmock galaos_settings)
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${T_NAME} PRIVATE
    GALAOS_SOURCE_DIR="${PROJECT_SOURCE_DIR}" GALAOS_BINARY_DIR="${PROJECT_BINARY_DIR}"
    GALAOS_CLI_PATH="$<TARGET_FILE:galaos-updater>")
  if(NOT T_LABELS)
    set(T_LABELS ${T_NAME})
  endif()
  list(LENGTH T_LABELS label_count)
  if(label_count GREATER 1)
    message(FATAL_ERROR "galaos_add_test(${T_NAME}): one label only, got '${T_LABELS}'")
  endif()
  set(docker_properties)
  if(T_DOCKER)
    set(docker_properties FIXTURES_REQUIRED docker_engine)
    target_compile_definitions(${T_NAME} PRIVATE GALAOS_TEST_DOCKER_HOST="${GALAOS_DOCKER_HOST}"
      GALAOS_TEST_REGISTRY="${GALAOS_TEST_REGISTRY}")
  endif()
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT 600 LABELS ${T_LABELS} ${docker_properties})
endfunction()
