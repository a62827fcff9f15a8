#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CV_TYPE_HOST (cv_host_get_type ())
G_DECLARE_FINAL_TYPE (CvHost, cv_host, CV, HOST, GObject)

/* The meeting service embedded in the app, for "Start a meeting" when no
 * server is configured: it listens on this machine, keeps its keys in the
 * user's state folder, and stops with the app. */
CvHost *cv_host_new           (void);
/* Starts the service if needed and opens a new E2EE meeting; returns its
 * invite link (which pins the service's self-signed certificate). */
char   *cv_host_start_meeting (CvHost  *self,
                               GError **error);

/* A certificate from the embedded service's CA for the key of csr_pem,
 * naming account (letters, digits, . _ -), as a signed-in account would get
 * it; the service is started if needed. Returns PEM. */
char   *cv_host_issue_certificate (CvHost     *self,
                                   const char *csr_pem,
                                   const char *account,
                                   GError    **error);

/* PEM of the embedded service's CA root, NULL before it started. */
const char *cv_host_get_ca_root (CvHost *self);

G_END_DECLS
