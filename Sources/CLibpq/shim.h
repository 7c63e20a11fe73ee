// libpq, the PostgreSQL client library (Debian: libpq-dev; pkg-config libpq).
#include <libpq-fe.h>
