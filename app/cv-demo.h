/* cv-demo.h: `conclave --demo N`, the meeting a newcomer sees first.
 *
 * The app hosts a meeting and N conclave-bot processes (test media) join it,
 * showing the three identity levels in turn: the first holds a certificate
 * from the embedded service's CA (verified internally), the second one from
 * "Conclave Demo Partner CA" (verified externally: a CA made for this demo
 * only, trusted by the demo's session and bots and by nothing else), the
 * third a basic credential (unverified); then again (with five bots or
 * more, the second partner-level bot's CA is one nobody trusts). Keys and
 * certificates are made at start in a private folder (0700) under
 * $XDG_RUNTIME_DIR, handed to each bot through pipes (--certificate
 * /dev/fd/3), and removed before cv_demo_spawn_bots() returns.
 */
#pragma once

#include <gio/gio.h>

#include "cv-host.h"
#include "cv-session.h"

G_BEGIN_DECLS

/* The identity level the demo gives the bot at `index`. */
typedef enum {
  CV_DEMO_IDENTITY_SERVICE_CA,
  CV_DEMO_IDENTITY_PARTNER_CA,
  CV_DEMO_IDENTITY_BASIC,
} CvDemoIdentity;

CvDemoIdentity cv_demo_identity_for (guint index);

/* Makes a demo partner CA (self-signed Ed25519, CN "Conclave Demo Partner
 * CA", valid a day) as dir/partner-ca.pem and a certificate from it for
 * common_name, written by cv_identity_save() into identity_dir. Returns the
 * CA's path. */
char      *cv_demo_make_partner_identity (const char  *dir,
                                          const char  *identity_dir,
                                          const char  *common_name,
                                          char       **certificate_path,
                                          char       **key_path,
                                          GError     **error);

/* Starts n conclave-bot participants in the meeting of invite, which host
 * (the embedded service) runs, with the identities above; `session` (the
 * host user's, may be NULL) is told to trust the demo partner CA. Returns
 * the GSubprocess array; force-exit them to end the demo. */
GPtrArray *cv_demo_spawn_bots (CvHost      *host,
                               CvSession   *session,
                               const char  *invite,
                               guint        n,
                               GError     **error);

G_END_DECLS
