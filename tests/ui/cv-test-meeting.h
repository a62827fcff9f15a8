/* A real meeting for widget tests: the service in this process on loopback
 * and sessions joining it (no media), as tests/app/test-session.c does. */
#pragma once

#include "cv-server.h"
#include "cv-session.h"

G_BEGIN_DECLS

typedef struct {
  CvServer *server;
  char *state_dir;
  char *number;
  char *invite;
} CvTestMeeting;

/* An end-to-end encrypted meeting, or a standard one (e2ee FALSE). */
void       cv_test_meeting_start (CvTestMeeting  *meeting,
                                  gboolean        e2ee);
void       cv_test_meeting_stop  (CvTestMeeting  *meeting);
/* A session that has started joining (its meeting number is known). */
CvSession *cv_test_meeting_join  (CvTestMeeting  *meeting,
                                  const char     *name);
/* Runs the main loop until all n sessions are in the meeting together, in
 * an E2EE meeting at one epoch of an MLS group of n (fails after 20 s). */
void       cv_test_meeting_wait  (CvSession     **sessions,
                                  guint           n);

G_END_DECLS
