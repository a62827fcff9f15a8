#pragma once

#include <adwaita.h>

#include "cv-security-state.h"

G_BEGIN_DECLS

#define CV_TYPE_SHIELD_BUTTON (cv_shield_button_get_type ())
G_DECLARE_FINAL_TYPE (CvShieldButton, cv_shield_button, CV, SHIELD_BUTTON, AdwBin)

GtkWidget       *cv_shield_button_new       (void);
CvSecurityState *cv_shield_button_get_state (CvShieldButton  *self);
void             cv_shield_button_set_state (CvShieldButton  *self,
                                             CvSecurityState *state);
/* Opens the popover, as a click or Enter on the shield does. */
void             cv_shield_button_popup     (CvShieldButton  *self);

G_END_DECLS
