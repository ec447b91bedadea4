/* pledge.h: the public interface of libpledge (placeholder). */
#ifndef PLEDGE_H
#define PLEDGE_H

#define PLEDGE_API __attribute__((visibility("default")))

PLEDGE_API const char *pledge_version(void);

#endif
