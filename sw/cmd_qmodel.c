/* cmd_qmodel.c — placeholder until the integer model lands (issue 3). */
#include "cli.h"
#include "util.h"
int cmd_pack(int argc, char **argv) { (void)argc; (void)argv; Q2_ERR("not implemented yet"); return Q2_EXIT_INTERNAL; }
int cmd_info(int argc, char **argv) { (void)argc; (void)argv; Q2_ERR("not implemented yet"); return Q2_EXIT_INTERNAL; }
int cmd_infer(int argc, char **argv) { (void)argc; (void)argv; Q2_ERR("not implemented yet"); return Q2_EXIT_INTERNAL; }
int cmd_import(int argc, char **argv) { (void)argc; (void)argv; Q2_ERR("not implemented yet"); return Q2_EXIT_INTERNAL; }
int cmd_bench(int argc, char **argv) { (void)argc; (void)argv; Q2_ERR("not implemented yet"); return Q2_EXIT_INTERNAL; }
int cmd_eval_q2(int argc, char **argv) { (void)argc; (void)argv; Q2_ERR("not implemented yet"); return Q2_EXIT_INTERNAL; }
