/* cli.h — the subcommands of build/bin/q2mlp. Each returns a Q2_EXIT_* process exit code
 * and handles its own --help. Dispatch table: main_q2mlp.c. */
#ifndef Q2_CLI_H
#define Q2_CLI_H

#include <stdbool.h>

int cmd_train(int argc, char **argv);   /* cmd_train.c  */
int cmd_eval(int argc, char **argv);    /* cmd_train.c: .mlp; hands .q2 files to cmd_eval_q2 */
int cmd_eval_q2(int argc, char **argv); /* cmd_qmodel.c */
int cmd_sqnr(int argc, char **argv);    /* cmd_study.c  */
int cmd_study(int argc, char **argv);   /* cmd_study.c  */
int cmd_study_summary(int argc, char **argv); /* cmd_study.c */
int cmd_pack(int argc, char **argv);    /* cmd_qmodel.c */
int cmd_info(int argc, char **argv);    /* cmd_qmodel.c */
int cmd_infer(int argc, char **argv);   /* cmd_qmodel.c */
int cmd_import(int argc, char **argv);  /* cmd_qmodel.c: .npy; hands --onnx to cmd_import_onnx */
int cmd_import_onnx(int argc, char **argv); /* cmd_onnx.c */
int cmd_export(int argc, char **argv);  /* cmd_onnx.c   */
int cmd_bench(int argc, char **argv);   /* cmd_qmodel.c; --serve and --npy-out: cmd_bench_serve */
int cmd_bench_serve(int argc, char **argv); /* cmd_bench.c */
int cmd_data(int argc, char **argv);    /* cmd_data.c   */
int cmd_fits(int argc, char **argv);    /* cmd_fits.c   */

/* Is the model file a .q2 image (else a .mlp)? The extension .q2 / .mlp, else a regular file's first
 * bytes ("Q2ML"). eval and export decide so (cmd_train.c). */
bool cli_model_is_q2(const char *path);

#endif
