// Header-only target: see include/CLedgerScan.h. (SwiftPM needs a source file in a C target.)
#include "CLedgerScan.h"
