/* Forwards one already-formatted log line to a caller's deprecated
 * `void (*)(const char *fmt, va_list ap)` debug callback: stable Rust cannot build a va_list. */
#include <stdarg.h>

typedef void (*virgl_shim_debug_cb)(const char *fmt, va_list ap);

static void call_with_args(virgl_shim_debug_cb cb, const char *fmt, ...)
{
   va_list ap;
   va_start(ap, fmt);
   cb(fmt, ap);
   va_end(ap);
}

void virgl_shim_call_debug_cb(virgl_shim_debug_cb cb, const char *line)
{
   call_with_args(cb, "%s", line);
}
