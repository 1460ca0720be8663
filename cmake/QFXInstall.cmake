# Installation and the exported CMake package.
#
# `cmake --install <build> --prefix <p>` installs headers (sources and
# generated .inc files), the libraries registered with qfx_register_library()
# as the exported targets QFX::<name>, the tools, and
# <p>/lib/cmake/qfx/QFXConfig.cmake so that another project can
#   find_package(QFX CONFIG REQUIRED)
#   target_link_libraries(mytool PRIVATE QFX::MLIRQFX)

include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

set(QFX_INSTALL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/qfx)

install(DIRECTORY ${QFX_SOURCE_DIR}/include/qfx
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${QFX_SOURCE_DIR}/dialects/qfx/include/qfx
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${QFX_BINARY_DIR}/dialects/qfx/include/qfx
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.inc")
install(DIRECTORY ${QFX_SOURCE_DIR}/dialects/qfxk/include/qfx
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${QFX_BINARY_DIR}/dialects/qfxk/include/qfx
  ${QFX_BINARY_DIR}/include/qfx
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.inc")

get_property(qfx_exported_libs GLOBAL PROPERTY QFX_EXPORTED_LIBS)
foreach(lib ${qfx_exported_libs})
  target_include_directories(${lib} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endforeach()

install(TARGETS ${qfx_exported_libs}
  EXPORT QFXTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT QFXTargets
  NAMESPACE QFX::
  DESTINATION ${QFX_INSTALL_CMAKE_DIR})

# Which optional dependencies the exported targets pull in.
set(QFX_NEEDS_MLIR ${QFX_BUILD_MLIR})
# The executor links oneDNN's imported target, which is only visible in the
# directory that found it; test for the library that uses it instead.
set(QFX_NEEDS_DNNL OFF)
if(TARGET QFXExecutor)
  set(QFX_NEEDS_DNNL ON)
endif()

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/QFXConfig.cmake.in
  ${QFX_BINARY_DIR}/QFXConfig.cmake
  INSTALL_DESTINATION ${QFX_INSTALL_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(
  ${QFX_BINARY_DIR}/QFXConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${QFX_BINARY_DIR}/QFXConfig.cmake
  ${QFX_BINARY_DIR}/QFXConfigVersion.cmake
  DESTINATION ${QFX_INSTALL_CMAKE_DIR})
