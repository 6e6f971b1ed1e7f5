/* cmd_study.c — placeholder until the quantizer study lands (issue 2). */
#include "cli.h"
#include "util.h"
int cmd_sqnr(int argc, char **argv) { (void)argc; (void)argv; Q2_ERR("not implemented yet"); return Q2_EXIT_INTERNAL; }
int cmd_study(int argc, char **argv) { (void)argc; (void)argv; Q2_ERR("not implemented yet"); return Q2_EXIT_INTERNAL; }
