# Installable kiln (issue 32, docs/library.md): included by the top-level CMakeLists.txt when
# KILN_INSTALL is on (native builds; `make deb`).
#
# Two shared libraries, linked from the objects the static archives hold (position-independent
# everywhere, so no file compiles twice):
#   libkiln-core.so  kiln::core  kiln_core + the TorchScript stubs: validate, optimize,
#                                quantize-onnx, convert-fp16, compare/diff of ONNX models. Loads
#                                no LibTorch.
#   libkiln.so       kiln::kiln  kiln_core + kiln_torch + the LibTorch engine: every command.
# Each is whole (-Wl,--no-undefined): libkiln.so repeats the core rather than depending on
# libkiln-core.so, because the TorchScript seam (runtime/torchscript_engine.h) is chosen at link
# time, and a process must see one choice. A target linking both fails to configure
# (COMPATIBLE_INTERFACE_STRING KILN_LIBRARY).
#
# The executables stay linked against the static archives, as in every build: `kiln` at
# bin/kiln, `kiln-torch` (started by kiln for the LibTorch commands, cli/torch_handoff.cpp) at
# libexec/kiln/kiln-torch.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

function(kiln_shared_library target output_name export_name)
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${output_name}
    EXPORT_NAME ${export_name}
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
    LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib
    INTERFACE_KILN_LIBRARY ${export_name}
    COMPATIBLE_INTERFACE_STRING KILN_LIBRARY)
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  target_include_directories(${target} INTERFACE
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${target} INTERFACE nlohmann_json::nlohmann_json)
  target_compile_features(${target} INTERFACE cxx_std_20)
endfunction()

add_library(kiln_core_shared SHARED $<TARGET_OBJECTS:kiln_core> $<TARGET_OBJECTS:kiln_no_torch>)
target_link_libraries(kiln_core_shared PRIVATE $<TARGET_PROPERTY:kiln_core,LINK_LIBRARIES>)
kiln_shared_library(kiln_core_shared kiln-core core)

add_library(kiln_shared SHARED $<TARGET_OBJECTS:kiln_core> $<TARGET_OBJECTS:kiln_torch>
                               $<TARGET_OBJECTS:kiln_torch_engine>)
target_link_libraries(kiln_shared PRIVATE $<TARGET_PROPERTY:kiln_core,LINK_LIBRARIES>
                                          ${TORCH_LIBRARIES} yaml-cpp::yaml-cpp OpenSSL::Crypto)
kiln_shared_library(kiln_shared kiln kiln)

# Components: runtime (the `kiln` package) and dev (`kiln-dev`: headers, CMake package).
install(TARGETS kiln_core_shared kiln_shared EXPORT kilnTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev)
install(TARGETS kiln RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS kiln-torch RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/kiln COMPONENT runtime)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/kiln ${PROJECT_BINARY_DIR}/include/kiln
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(EXPORT kilnTargets NAMESPACE kiln:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kiln
        COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kilnConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/kilnConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kiln)
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kilnConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/kilnConfig.cmake ${PROJECT_BINARY_DIR}/kilnConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kiln COMPONENT dev)

# Documentation (share/doc/kiln): the README, docs/ and the library's example consumer.
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
        COMPONENT runtime FILES_MATCHING PATTERN "*.md")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/tests/package/consumer/
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/consumer COMPONENT dev)

if(KILN_PACKAGE)
  include(${PROJECT_SOURCE_DIR}/cmake/KilnDeb.cmake)
endif()
