include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(NPUSCHED_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/npusched")

install(TARGETS npusched_core npusched_synthetic npusched_k8s
        EXPORT npuschedTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/npusched" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(EXPORT npuschedTargets NAMESPACE npusched:: DESTINATION ${NPUSCHED_CMAKE_DIR})
export(EXPORT npuschedTargets NAMESPACE npusched:: FILE "${PROJECT_BINARY_DIR}/npuschedTargets.cmake")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/npuschedConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/npuschedConfig.cmake" INSTALL_DESTINATION ${NPUSCHED_CMAKE_DIR})
# Same major version only: the API may change between major versions.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/npuschedConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/npuschedConfig.cmake" "${PROJECT_BINARY_DIR}/npuschedConfigVersion.cmake"
        DESTINATION ${NPUSCHED_CMAKE_DIR})
