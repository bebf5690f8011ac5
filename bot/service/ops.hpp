// `hindsight backup` and `hindsight restore`: the operator's database commands.
#pragma once

namespace hindsight::service {

// argv as main() got it, argv[1] being the sub-command. Both return the exit
// code: 0 ok, 1 runtime failure, 2 usage or configuration error.

// hindsight backup <file> [--config FILE]: an online copy of storage.path.
int cmd_backup(int argc, char** argv);
// hindsight restore <file> [--config FILE]: replaces storage.path with a
// backup; refuses while the service (or anything else) has the database open.
int cmd_restore(int argc, char** argv);
// hindsight migrate-store --from sqlite:PATH --to postgres:URL [--force]:
// copies everything into PostgreSQL in one consistent pass and verifies the
// counts. `postgres:` alone takes the URL from HINDSIGHT_DATABASE_URL (keeps
// the password off the command line). Refuses a non-empty target without --force.
int cmd_migrate_store(int argc, char** argv);

}  // namespace hindsight::service
