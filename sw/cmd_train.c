/* cmd_train.c — placeholder until the float-model work lands (issue 2). */
#include "cli.h"
#include "util.h"
int cmd_train(int argc, char **argv) { (void)argc; (void)argv; Q2_ERR("not implemented yet"); return Q2_EXIT_INTERNAL; }
int cmd_eval(int argc, char **argv) { (void)argc; (void)argv; Q2_ERR("not implemented yet"); return Q2_EXIT_INTERNAL; }
