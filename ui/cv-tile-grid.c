/* CvTileGrid: the video tiles of a meeting, laid out for the window.
 *
 * A page holds as many tiles as fit at the smallest useful size (240×135);
 * the tiles of the current page then grow together to fill the space with
 * the column count that gives the largest 16:9 tile. Tiles of other pages
 * are kept but not shown (child-visible FALSE), so that paging does not
 * rebuild anything.
 */
#include "config.h"

#include "cv-tile-grid.h"

#define MIN_TILE_WIDTH 240
#define MIN_TILE_HEIGHT 135
#define SPACING 8

struct _CvTileGrid
{
  GtkWidget parent_instance;

  guint page;
  guint n_pages;
  guint per_page;
  guint notify_idle;
};

G_DEFINE_FINAL_TYPE (CvTileGrid, cv_tile_grid, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PAGE,
  PROP_N_PAGES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
notify_pages_cb (gpointer data)
{
  CvTileGrid *self = data;

  self->notify_idle = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PAGES]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE]);
  return G_SOURCE_REMOVE;
}

static void
cv_tile_grid_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  int min = orientation == GTK_ORIENTATION_HORIZONTAL ? MIN_TILE_WIDTH : MIN_TILE_HEIGHT;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      int child_min;
      gtk_widget_measure (child, orientation, -1, &child_min, NULL, NULL, NULL);
      min = MAX (min, child_min);
    }
  *minimum = min;
  *natural = min * 3 + 2 * SPACING;
}

/* The column count for k tiles in width × height that makes them largest. */
static void
best_columns (int    width,
              int    height,
              guint  k,
              guint  max_columns,
              guint  max_rows,
              guint *columns_out,
              int   *tile_width_out)
{
  guint best = 1;
  int best_width = 0;

  for (guint columns = 1; columns <= MAX (1, MIN (k, max_columns)); columns++)
    {
      guint rows = (k + columns - 1) / columns;
      int w, h;

      if (rows > max_rows)
        continue;
      w = (width - SPACING * ((int) columns - 1)) / (int) columns;
      h = (height - SPACING * ((int) rows - 1)) / (int) rows;
      w = MIN (w, h * 16 / 9);
      if (w > best_width)
        {
          best_width = w;
          best = columns;
        }
    }
  *columns_out = best;
  *tile_width_out = best_width;
}

static void
cv_tile_grid_size_allocate (GtkWidget *widget,
                            int        width,
                            int        height,
                            int        baseline)
{
  CvTileGrid *self = CV_TILE_GRID (widget);
  guint n = 0, max_columns, max_rows, per_page, n_pages, page, first, k, columns, rows, i = 0;
  int min_w = MIN_TILE_WIDTH, min_h = MIN_TILE_HEIGHT, tile_w, tile_h, x0, y0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      int cw, ch;
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &cw, NULL, NULL, NULL);
      gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, -1, &ch, NULL, NULL, NULL);
      min_w = MAX (min_w, cw);
      min_h = MAX (min_h, ch);
      n++;
    }

  max_columns = MAX (1, (width + SPACING) / (min_w + SPACING));
  max_rows = MAX (1, (height + SPACING) / (min_h + SPACING));
  per_page = max_columns * max_rows;
  n_pages = MAX (1, (n + per_page - 1) / per_page);
  page = MIN (self->page, n_pages - 1);
  first = page * per_page;
  k = MIN (per_page, n - MIN (n, first));

  best_columns (width, height, MAX (k, 1), max_columns, max_rows, &columns, &tile_w);
  tile_w = MAX (tile_w, min_w);
  tile_h = MAX (tile_w * 9 / 16, min_h);
  rows = (MAX (k, 1) + columns - 1) / columns;
  y0 = MAX (0, (height - ((int) rows * tile_h + ((int) rows - 1) * SPACING)) / 2);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child), i++)
    {
      gboolean shown = i >= first && i < first + k;
      guint slot = i - first, row, column, in_row;

      gtk_widget_set_child_visible (child, shown);
      if (!shown)
        continue;
      row = slot / columns;
      column = slot % columns;
      /* The last row, when not full, is centred too. */
      in_row = MIN (columns, k - row * columns);
      x0 = MAX (0, (width - ((int) in_row * tile_w + ((int) in_row - 1) * SPACING)) / 2);
      gtk_widget_size_allocate (child,
                                &(GtkAllocation) { x0 + (int) column * (tile_w + SPACING),
                                                   y0 + (int) row * (tile_h + SPACING),
                                                   tile_w, tile_h },
                                -1);
    }

  if (self->n_pages != n_pages || self->page != page || self->per_page != per_page)
    {
      self->n_pages = n_pages;
      self->page = page;
      self->per_page = per_page;
      /* Not from inside the allocation: watchers change labels. */
      if (self->notify_idle == 0)
        self->notify_idle = g_idle_add (notify_pages_cb, self);
    }
}

void
cv_tile_grid_append (CvTileGrid *self,
                     GtkWidget  *tile)
{
  g_return_if_fail (CV_IS_TILE_GRID (self));
  gtk_widget_set_parent (tile, GTK_WIDGET (self));
}

void
cv_tile_grid_remove (CvTileGrid *self,
                     GtkWidget  *tile)
{
  g_return_if_fail (CV_IS_TILE_GRID (self));
  g_return_if_fail (gtk_widget_get_parent (tile) == GTK_WIDGET (self));
  gtk_widget_unparent (tile);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

void
cv_tile_grid_move_to_front (CvTileGrid *self,
                            GtkWidget  *tile)
{
  g_return_if_fail (CV_IS_TILE_GRID (self));
  g_return_if_fail (gtk_widget_get_parent (tile) == GTK_WIDGET (self));
  if (gtk_widget_get_first_child (GTK_WIDGET (self)) == tile)
    return;
  gtk_widget_insert_after (tile, GTK_WIDGET (self), NULL);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

guint
cv_tile_grid_get_n_tiles (CvTileGrid *self)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self)); child;
       child = gtk_widget_get_next_sibling (child))
    n++;
  return n;
}

guint
cv_tile_grid_get_page (CvTileGrid *self)
{
  g_return_val_if_fail (CV_IS_TILE_GRID (self), 0);
  return self->page;
}

void
cv_tile_grid_set_page (CvTileGrid *self,
                       guint       page)
{
  g_return_if_fail (CV_IS_TILE_GRID (self));

  page = MIN (page, MAX (self->n_pages, 1) - 1);
  if (self->page == page)
    return;
  self->page = page;
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE]);
}

guint
cv_tile_grid_get_n_pages (CvTileGrid *self)
{
  g_return_val_if_fail (CV_IS_TILE_GRID (self), 1);
  return MAX (self->n_pages, 1);
}

guint
cv_tile_grid_get_per_page (CvTileGrid *self)
{
  g_return_val_if_fail (CV_IS_TILE_GRID (self), 1);
  return MAX (self->per_page, 1);
}

static void
cv_tile_grid_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  CvTileGrid *self = CV_TILE_GRID (object);

  switch (prop_id)
    {
    case PROP_PAGE:
      g_value_set_uint (value, self->page);
      break;
    case PROP_N_PAGES:
      g_value_set_uint (value, cv_tile_grid_get_n_pages (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_tile_grid_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_PAGE:
      cv_tile_grid_set_page (CV_TILE_GRID (object), g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_tile_grid_dispose (GObject *object)
{
  CvTileGrid *self = CV_TILE_GRID (object);
  GtkWidget *child;

  g_clear_handle_id (&self->notify_idle, g_source_remove);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (cv_tile_grid_parent_class)->dispose (object);
}

static void
cv_tile_grid_class_init (CvTileGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cv_tile_grid_get_property;
  object_class->set_property = cv_tile_grid_set_property;
  object_class->dispose = cv_tile_grid_dispose;
  widget_class->measure = cv_tile_grid_measure;
  widget_class->size_allocate = cv_tile_grid_size_allocate;

  properties[PROP_PAGE] =
    g_param_spec_uint ("page", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_PAGES] =
    g_param_spec_uint ("n-pages", NULL, NULL, 1, G_MAXUINT, 1,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "tilegrid");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
cv_tile_grid_init (CvTileGrid *self)
{
  self->n_pages = 1;
  self->per_page = 1;
}

GtkWidget *
cv_tile_grid_new (void)
{
  return g_object_new (CV_TYPE_TILE_GRID, NULL);
}
