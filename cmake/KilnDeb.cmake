# The Debian packages (`make deb`, scripts/deb.sh; docs/library.md): CPack's DEB generator, one
# package per install component.
#   kiln_VERSION_amd64.deb      the CLI (/usr/bin/kiln, /usr/libexec/kiln/kiln-torch), the shared
#                               libraries, the docs (/usr/share/doc/kiln)
#   kiln-dev_VERSION_amd64.deb  the public headers, the CMake package, the example consumer
# The kiln package's Depends are set by scripts/deb.sh (cpack -D): dpkg-shlibdeps's list (the
# Debian 13 packages whose libraries the binaries load: libtorch2.6, libonnxruntime1.21,
# libonnx1t64, …) plus OpenBLAS: LibTorch depends on "libblas3 | libblas.so.3", and the reference
# BLAS makes fp32 matmul ~26x slower (docs/toolchain.md).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kiln)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR kiln)
set(CPACK_PACKAGE_CONTACT "kiln maintainers <kiln@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "PyTorch TorchScript model to a verified, optimized ONNX deployment artifact")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME kiln)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "libopenblas0-pthread")  # scripts/deb.sh adds the rest
# Fashion-MNIST for --dataset fashion-mnist; onnxruntime and numpy for an artifact's validate.py.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "dataset-fashion-mnist, python3-onnxruntime, python3-numpy")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
    "kiln exports TorchScript models to ONNX, verifies, optimizes, quantizes, benchmarks and packs
them as artifacts a CI pipeline gates on with `kiln validate`.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME kiln-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "kiln (= ${PROJECT_VERSION}), nlohmann-json3-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "kiln's C++ library: public headers (<kiln/export.h>, <kiln/validate.h>, …) and the CMake
package (find_package(kiln): kiln::kiln, kiln::core).")
include(CPack)
