/* passive-client-handling-commit.json: join, then follow commits with
 * proposals by value and by reference (Add, Update, Remove, PreSharedKey
 * external and resumption, GroupContextExtensions), with and without path,
 * checking the epoch authenticator after each (RFC 9420 §12.4.2). */
#include "cv-test-passive-client.h"

int
main (void)
{
  return cv_test_passive_client_run ("mls/passive-client-handling-commit.json");
}
