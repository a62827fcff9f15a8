/* passive-client-welcome.json: join from a Welcome (tree in the Welcome or
 * out of band, with and without external PSKs) and check the epoch
 * authenticator (RFC 9420 §12.4.3.1). */
#include "cv-test-passive-client.h"

int
main (void)
{
  return cv_test_passive_client_run ("mls/passive-client-welcome.json");
}
