#pragma once

#include <adwaita.h>

#include "cv-application.h"

G_BEGIN_DECLS

#define CV_TYPE_WINDOW (cv_window_get_type ())
G_DECLARE_FINAL_TYPE (CvWindow, cv_window, CV, WINDOW, AdwApplicationWindow)

CvWindow *cv_window_new         (CvApplication *application);
void      cv_window_open_invite (CvWindow      *self,
                                 const char    *invite);
/* Hosts a meeting and has n_bots conclave-bots join it. */
void      cv_window_start_demo  (CvWindow      *self,
                                 guint          n_bots);
/* The link of the meeting we are in, NULL outside one. */
const char *cv_window_get_invite (CvWindow    *self);

G_END_DECLS
