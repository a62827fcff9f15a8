/* Helpers for the widget tests: set-up under Xvfb, finding widgets in the
 * tree by what they show, and screenshots into the build dir. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* gtk_test_init + libadwaita + the app's resources and icons. */
void        cv_test_ui_init             (int          *argc,
                                         char       ***argv);
/* Runs the main loop for about `ms` milliseconds. */
void        cv_test_ui_iterate          (guint         ms);
/* Runs the main loop until the widget is mapped and allocated (fails after 5 s). */
void        cv_test_ui_wait_mapped      (GtkWidget    *widget);

/* The first GtkLabel under root (root included, depth first) whose text is
 * exactly / contains `text`, or NULL. Hidden widgets are searched too; check
 * gtk_widget_is_visible() where it matters. */
GtkLabel   *cv_test_ui_find_label       (GtkWidget    *root,
                                         const char   *text);
GtkLabel   *cv_test_ui_find_label_containing (GtkWidget *root,
                                              const char *text);
/* The first widget of `type` under root. */
GtkWidget  *cv_test_ui_find_type        (GtkWidget    *root,
                                         GType         type);
/* The first AdwPreferencesRow titled `title` under root. */
GtkWidget  *cv_test_ui_find_row         (GtkWidget    *root,
                                         const char   *title);
/* The AdwMessageDialog that is open now, if any. */
AdwMessageDialog *cv_test_ui_find_message_dialog (void);

/* Renders the widget to $MESON_BUILD_ROOT/screenshots/NAME.png, checks that
 * it drew more than a few colours, and returns the path. */
char       *cv_test_ui_screenshot       (GtkWidget    *widget,
                                         const char   *name);

G_END_DECLS
