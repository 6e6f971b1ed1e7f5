/* study.h — the support-region study (`q2mlp study`): every scope x rule of quant.h on a trained
 * float model, x_max/sigma sweeps, and the report (table on stdout, study.csv, study.md,
 * sweep_<scope>.csv, SVG plots via gnuplot, best.txt). docs/quantizer.md explains the numbers. */
#ifndef Q2_STUDY_H
#define Q2_STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include "base/idx.h"
#include "base/util.h"
#include "float/mlp.h"
#include "quant/ptq.h"
#include "quant/quant.h"

#define Q2_STUDY_RULE_FLOAT (-1)

/* One line of study.csv: a scope x rule (or the float baseline, rule Q2_STUDY_RULE_FLOAT). */
typedef struct {
    q2_scope scope;
    int rule;                             /* q2_rule, or Q2_STUDY_RULE_FLOAT */
    double xmax_over_sigma;               /* global: x_max/sigma; layer, neuron: mean over units */
    double xmax;                          /* absolute x_max; mean over units */
    double sqnr_th_db;                    /* theory at each unit's x_max/sigma, power-weighted */
    double sqnr_exp_db;                   /* 10 log10(sum w^2 / sum (w - Q(w))^2), all layers */
    double acc_val, acc_test;             /* network with quantized weights, float activations */
    int n_layers;
    double l_xmax[Q2_MAX_LAYERS];        /* (n_layers) x_max of the layer (neuron: mean) */
    double l_xos[Q2_MAX_LAYERS];         /* (n_layers) x_max / sigma_layer (neuron: mean) */
    double l_sqnr_th[Q2_MAX_LAYERS];     /* (n_layers) theory for the layer's weights */
    double l_sqnr_exp[Q2_MAX_LAYERS];    /* (n_layers) measured on the layer's weights */
} q2_study_row;

/* One point of a sweep: every unit of the scope gets x_max = ratio * sigma_unit. */
typedef struct {
    double ratio;                         /* x_max / sigma */
    double sqnr_th_db, sqnr_exp_db;
    double acc_val, acc_test;
    double l_xmax[Q2_MAX_LAYERS];        /* (n_layers) as in q2_study_row */
    double l_sqnr_exp[Q2_MAX_LAYERS];    /* (n_layers) */
} q2_sweep_point;

/* x_max, x_max/sigma and SQNR (theory, measured; per layer and overall) of q, the quantized
 * version of src with steps d in scope s. Accuracies are left as NaN. */
int q2_study_measure(const q2_mlp *src, const q2_mlp *q, const q2_deltas *d, q2_scope s,
                     const q2_quant_opts *o, q2_study_row *row);

/* Sweep x_max/sigma over the grid of o (o->points values) in scope s: pts (o->points).
 * test may be NULL (acc_test NaN). */
int q2_study_sweep(const q2_mlp *src, q2_scope s, const q2_quant_opts *o, const q2_dataset *val,
                   const q2_dataset *test, q2_sweep_point *pts, bool progress);

/* Index of the row with the best validation accuracy among the quantized rows (the first on
 * ties, rows in scope-major, rule-minor order); -1 if none. */
int q2_study_best(const q2_study_row *rows, int n);

/* Labels of a run of the multi-seed study, written to run.txt (NULL: the arch, "base", "-"). */
typedef struct { const char *topology, *variant, *seed; } q2_study_labels;

typedef struct {
    const char *model;         /* the float .mlp */
    const char *out_dir;       /* default "build/report" */
    const char *train_images, *train_labels, *test_images, *test_labels;
    int n_val;                 /* validation: the last n_val training images (Q2_VAL_DEFAULT) */
    int test_limit;            /* 0: the whole test set; else its first test_limit images */
    q2_quant_opts q;           /* sigma convention and sweep grid */
    const char *gnuplot;       /* program; NULL or "" skips the plots */
    bool progress;
    bool methods;              /* also pack every ptq.h method bit-exactly (methods.csv) */
    q2_study_labels labels;    /* run.txt */
} q2_study_opts;
void q2_study_opts_default(q2_study_opts *o);

/* The whole study; writes the report into o->out_dir and the table to stdout.
 * best.txt: one line "scope=<s> rule=<r> acc_val=<x> acc_test=<y>", plus " sigma=std" when the
 * study ran with that convention (the default rms is not written). */
int q2_study_run(const q2_study_opts *o);

/* ---- post-training methods, bit-exact (methods.c) ---- */
/* The scope x rule pairs the methods of ptq.h are packed for (one home: methods.c). */
typedef struct { q2_scope scope; q2_rule rule; } q2_study_pair;
#define Q2_STUDY_N_PAIRS 3
extern const q2_study_pair q2_study_pairs[Q2_STUDY_N_PAIRS]; /* layer/opt, layer/acc, neuron/acc */
#define Q2_STUDY_N_METHOD_ROWS (Q2_STUDY_N_PAIRS * Q2_METHOD_COUNT)
typedef struct {
    q2_scope scope;
    q2_rule rule;
    q2_method method;
    double xmax_over_sigma, sqnr_th_db, sqnr_exp_db; /* of the packed weights (as q2_study_row) */
    double acc_val, acc_test;                        /* bit-exact integer model (.q2) */
} q2_method_row;
typedef struct {
    const q2_dataset *calib, *val, *test; /* calib: training images without the validation ones */
} q2_study_data;
/* Every method of ptq.h on every pair, packed like `q2mlp pack` (acc: the pick of sweeps[scope],
 * each (qo->points)): rows (Q2_STUDY_N_METHOD_ROWS), pair-major, method-minor. */
int q2_study_methods(const q2_mlp *m, const q2_sweep_point *const *sweeps, const q2_quant_opts *qo,
                     const q2_study_data *data, q2_method_row *rows, bool progress);
/* Stage dir/methods.csv (if n_rows > 0), dir/shape.csv (q2_shape of each layer of m) and
 * dir/run.txt ("topology=.. variant=.. seed=.. arch=..") in outs. */
int q2_study_write_extras(q2_outs *outs, const char *dir, const q2_method_row *rows, int n_rows,
                          const q2_mlp *m, const q2_study_labels *lb);

/* ---- the multi-seed summary (summary.c; `q2mlp study-summary`, `make study-full`) ---- */
typedef struct {
    const char *const *dirs;   /* (n_dirs) run directories of `q2mlp study --methods` */
    int n_dirs;
    const char *out_dir;       /* where <name>.csv, <name>-summary.csv, <name>.md, band_*.{csv,svg} go */
    const char *name;          /* e.g. "study-full" */
    const char *gnuplot;       /* NULL or "": no SVGs */
    const char *command;       /* named in the report as the command that made it */
} q2_summary_opts;
/* Group the runs by run.txt's topology and variant; write every file (all or none; the SVGs after
 * them). Q2_EIO / Q2_EFORMAT with a message naming the file that is missing or wrong. */
int q2_study_summary(const q2_summary_opts *o);

/* ---- statistics (stats.c) ---- */
/* The two-sided 95 % quantile t_{0.975} of Student's t with df degrees of freedom: a table for
 * df <= 30, the Cornish-Fisher expansion above (error < 1e-4); NaN for df < 1. */
double q2_t975(int df);
/* Mean and 95 % confidence half-width (Student t, sample std / sqrt(n)) of the non-NaN values of x
 * (n); half is NaN with fewer than 2 values, mean NaN with none. */
typedef struct { int n; double mean, half; } q2_ci;
q2_ci q2_ci_of(const double *x, int n);
/* Shape of a weight array: kurtosis E[(w-mean)^4]/std^4 (Gauss 3, Laplace 6) and the
 * Kolmogorov-Smirnov distance sup |F_n - F| to the Laplace (location mean, scale E|w - mean|) and
 * the Gauss (mean, std) fitted by moments. NaN where n < 2 or std = 0. */
typedef struct { size_t n; double mean, std, kurtosis, ks_laplace, ks_gauss; } q2_shape;
int q2_shape_compute(q2_shape *s, const float *w, size_t n);

/* ---- best.txt (best.c) ---- */
/* best.txt: the study's choice, read by `q2mlp pack --best`; one line
 * "scope=<s> rule=<r> acc_val=<x> acc_test=<y>", plus " sigma=<m>" when sigma is not the
 * default rms. */
typedef struct {
    q2_scope scope;
    q2_rule rule;
    int sigma;                 /* q2_sigma_mode, or -1: not given (read) / rms (written) */
    double acc_val, acc_test;  /* written; not read (-1 after q2_best_read) */
} q2_best;
/* The line, with its newline, into buf (n bytes): its length, or Q2_EARG if n is too small. */
int q2_best_format(const q2_best *b, char *buf, size_t n);
/* Stage the file path with the line in outs (q2_outs_add). */
int q2_best_write(q2_outs *outs, const char *path, const q2_best *b);
/* The first line of path holding scope= and rule=: scope, rule and (if given) sigma. Q2_EFORMAT
 * with a message when there is none or a value is unknown. */
int q2_best_read(const char *path, q2_best *b);

#endif
