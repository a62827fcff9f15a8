#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CV_TYPE_START_PAGE (cv_start_page_get_type ())
G_DECLARE_FINAL_TYPE (CvStartPage, cv_start_page, CV, START_PAGE, AdwBin)

const char *cv_start_page_get_meeting (CvStartPage *self);
void        cv_start_page_set_meeting (CvStartPage *self,
                                       const char  *meeting);
void        cv_start_page_join        (CvStartPage *self);

G_END_DECLS
