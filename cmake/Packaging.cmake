# The Debian package: `cmake --build <dir> --target package` writes
# <dir>/hindsight_<version>_<arch>.deb (CPack DEB). Needs dpkg-dev (for
# dpkg-shlibdeps) and file. scripts/ci-package.sh builds, installs, checks and
# removes it.
#
# The files below the binary go to absolute paths (/etc, /lib/systemd): they
# are what the package installs on a Debian system, not something a prefix
# could move — the unit file names /usr/bin/hindsight and /etc/hindsight.

set(HINDSIGHT_DEPLOY_DIR ${PROJECT_SOURCE_DIR}/deploy)

install(FILES ${HINDSIGHT_DEPLOY_DIR}/config.json
        DESTINATION /etc/hindsight
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# Secrets live here: readable by root only (systemd reads EnvironmentFile= as
# root before it drops to the service's dynamic user).
install(FILES ${HINDSIGHT_DEPLOY_DIR}/env.example
        DESTINATION /etc/hindsight
        RENAME env
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${HINDSIGHT_DEPLOY_DIR}/hindsight.service
        DESTINATION /lib/systemd/system
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

set(HINDSIGHT_DOC_DIR share/doc/hindsight)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${HINDSIGHT_DOC_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/config/README.md DESTINATION ${HINDSIGHT_DOC_DIR} RENAME config-reference.md)
install(FILES ${PROJECT_SOURCE_DIR}/config/example.json DESTINATION ${HINDSIGHT_DOC_DIR} RENAME config-example.json)
install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md
              ${HINDSIGHT_DEPLOY_DIR}/Caddyfile
              ${HINDSIGHT_DEPLOY_DIR}/nginx.conf
        DESTINATION ${HINDSIGHT_DOC_DIR})
foreach(optional slack-app-manifest.yml slack-app-manifest-socket.yml mattermost-setup.md)
  if(EXISTS ${HINDSIGHT_DEPLOY_DIR}/${optional})
    install(FILES ${HINDSIGHT_DEPLOY_DIR}/${optional} DESTINATION ${HINDSIGHT_DOC_DIR})
  endif()
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hindsight)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "blameless postmortems run by a bot in Slack and Mattermost incident channels")
string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Hindsight records the incident channel while an incident is open, drafts the\n"
    "timeline and the postmortem when it is closed, runs five whys and reminds\n"
    "action-item owners until their items are done. One HTTP service with an\n"
    "SQLite database; it serves HTTPS itself (listen.tls) or behind a reverse proxy.")
set(HINDSIGHT_PACKAGE_MAINTAINER "Hindsight maintainers <hindsight@localhost>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${HINDSIGHT_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# hindsight_<version>_<arch>.deb (no Debian revision is set).
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Library dependencies from dpkg-shlibdeps; the time zone database (read at
# run time by the date library) and CA certificates (TLS to Slack and
# Mattermost) are needed but not linked.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "tzdata, ca-certificates")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${HINDSIGHT_DEPLOY_DIR}/debian/conffiles
    ${HINDSIGHT_DEPLOY_DIR}/debian/postinst
    ${HINDSIGHT_DEPLOY_DIR}/debian/prerm
    ${HINDSIGHT_DEPLOY_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
