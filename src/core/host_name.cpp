#include "core/host_name.h"

#include <unistd.h>

#include <climits>

namespace pistream {

std::string hostName()
{
    char host[HOST_NAME_MAX + 1] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
        return "pistream";
    return host;
}

} // namespace pistream
