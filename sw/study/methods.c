/* methods.c — the per-model extras of the multi-seed study (study.h "methods"): the post-training
 * methods of ptq.h packed bit-exactly for a few scope x rule pairs, the shape of each layer's
 * weights, and the run's labels (run.txt), each a small file beside study.csv. */
#include "study/study.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "quant/pack.h"

const q2_study_pair q2_study_pairs[Q2_STUDY_N_PAIRS] = {
    {Q2_SCOPE_LAYER, Q2_RULE_OPT}, {Q2_SCOPE_LAYER, Q2_RULE_ACC}, {Q2_SCOPE_NEURON, Q2_RULE_ACC},
};

/* ---- the steps of one pair ------------------------------------------------------------------------ */
/* d (initialised here) := the steps of scope s, rule r; acc: the sweep's pick. */
static int pair_steps(const q2_mlp *m, q2_scope s, q2_rule r, const q2_sweep_point *const *sweeps,
                      const q2_quant_opts *qo, q2_deltas *d)
{
    q2_mlp tmp;
    int rc;
    if (r == Q2_RULE_ACC) {
        double acc[1024];
        int np = qo->points < 1024 ? qo->points : 1024;
        for (int i = 0; i < np; i++) acc[i] = sweeps[s][i].acc_val;
        int k = q2_acc_pick(acc, np);
        rc = q2_quantize_mlp_ratio(m, s, k < 0 ? Q2_XMAX_OPT : sweeps[s][k].ratio, qo, &tmp, d);
    } else {
        rc = q2_quantize_mlp_ex(m, s, r, qo, NULL, &tmp, d, NULL);
    }
    if (!rc) q2_mlp_free(&tmp);
    return rc;
}

/* The pair's steps as the packer takes them: in the neuron scope, the last layer has its
 * layer-scope step (one unit for all logits, docs/arithmetic.md). */
static int pack_steps(const q2_mlp *m, q2_study_pair p, const q2_sweep_point *const *sweeps,
                      const q2_quant_opts *qo, q2_deltas *d)
{
    int rc = pair_steps(m, p.scope, p.rule, sweeps, qo, d);
    if (rc || p.scope != Q2_SCOPE_NEURON) return rc;
    q2_deltas dl;
    if ((rc = pair_steps(m, Q2_SCOPE_LAYER, p.rule, sweeps, qo, &dl))) {
        q2_deltas_free(d);
        return rc;
    }
    const int L = m->n_layers;
    memcpy(d->delta[L - 1], dl.delta[L - 1], (size_t)m->dims[L] * sizeof(float));
    q2_deltas_free(&dl);
    return Q2_OK;
}

/* One method on one pair: pack, measure the packed weights, bit-exact accuracies. */
static int method_row(const q2_mlp *m, q2_study_pair p, q2_method meth, const q2_deltas *d,
                      const q2_quant_opts *qo, const q2_study_data *data, q2_method_row *row)
{
    q2_pack_opts po;
    q2_pack_opts_default(&po);
    po.scope = p.scope;
    po.rule = p.rule;
    po.method = meth;
    po.qopts = *qo;
    po.qopts.progress = false;
    po.calib = data->calib;
    po.deltas = d;
    q2_qmodel q;
    q2_mlp qf;
    q2_pack_report rep;
    int rc = q2_pack_mlp(m, &po, &q, &qf, &rep);
    if (rc) return rc;
    q2_study_row sr;
    if (!(rc = q2_study_measure(m, &qf, d, p.scope, qo, &sr))) {
        *row = (q2_method_row){p.scope, p.rule, meth, sr.xmax_over_sigma, sr.sqnr_th_db, sr.sqnr_exp_db,
                               q2_pack_accuracy(&q, data->val), q2_pack_accuracy(&q, data->test)};
        if (row->acc_val < 0 || row->acc_test < 0) rc = Q2_ENOMEM;
    }
    q2_qmodel_free(&q);
    q2_mlp_free(&qf);
    return rc;
}

int q2_study_methods(const q2_mlp *m, const q2_sweep_point *const *sweeps, const q2_quant_opts *qo,
                     const q2_study_data *data, q2_method_row *rows, bool progress)
{
    int n = 0;
    for (int k = 0; k < Q2_STUDY_N_PAIRS; k++) {
        q2_deltas d;
        int rc = pack_steps(m, q2_study_pairs[k], sweeps, qo, &d);
        if (rc) return rc;
        for (int meth = 0; meth < Q2_METHOD_COUNT && !rc; meth++) {
            rc = method_row(m, q2_study_pairs[k], (q2_method)meth, &d, qo, data, &rows[n]);
            if (!rc && progress)
                q2_progress("methods %2d/%d  %-6s %-4s %-8s val %.4f test %.4f", n + 1, Q2_STUDY_N_METHOD_ROWS,
                            q2_scope_name(rows[n].scope), q2_rule_name(rows[n].rule),
                            q2_method_name(rows[n].method), rows[n].acc_val, rows[n].acc_test);
            n++;
        }
        q2_deltas_free(&d);
        if (rc) return rc;
    }
    if (progress) q2_progress_done();
    return Q2_OK;
}

/* ---- the files ------------------------------------------------------------------------------------ */
/* Stage the text of f (an open_memstream of *buf, *len) as path; closes f, frees *buf. */
static int stage_mem(q2_outs *outs, const char *path, FILE *f, char **buf, size_t *len)
{
    int rc = fclose(f) ? Q2_ENOMEM : q2_outs_add(outs, path, *buf ? *buf : "", *len);
    if (rc == Q2_ENOMEM) Q2_ERR("write %s failed: out of memory", path);
    free(*buf);
    return rc;
}

static void csv_num(FILE *f, double v, int prec)
{
    if (isnan(v)) fputc(',', f);
    else fprintf(f, ",%.*f", prec, v);
}

int q2_study_write_extras(q2_outs *outs, const char *dir, const q2_method_row *rows, int n_rows,
                          const q2_mlp *m, const q2_study_labels *lb)
{
    char path[4200], *buf = NULL;
    size_t len = 0;
    FILE *f;
    int rc;
    if (n_rows > 0) {
        snprintf(path, sizeof path, "%s/methods.csv", dir);
        if (!(f = open_memstream(&buf, &len))) return Q2_ENOMEM;
        fprintf(f, "scope,rule,method,xmax_over_sigma,sqnr_th_db,sqnr_exp_db,acc_val,acc_test\n");
        for (int i = 0; i < n_rows; i++) {
            const q2_method_row *r = &rows[i];
            fprintf(f, "%s,%s,%s", q2_scope_name(r->scope), q2_rule_name(r->rule), q2_method_name(r->method));
            csv_num(f, r->xmax_over_sigma, 5);
            csv_num(f, r->sqnr_th_db, 4);
            csv_num(f, r->sqnr_exp_db, 4);
            fprintf(f, ",%.4f,%.4f\n", r->acc_val, r->acc_test);
        }
        if ((rc = stage_mem(outs, path, f, &buf, &len))) return rc;
    }
    snprintf(path, sizeof path, "%s/shape.csv", dir);
    buf = NULL;
    if (!(f = open_memstream(&buf, &len))) return Q2_ENOMEM;
    fprintf(f, "layer,n,mean,std,kurtosis,ks_laplace,ks_gauss\n");
    for (int l = 0; l < m->n_layers; l++) {
        q2_shape s;
        if ((rc = q2_shape_compute(&s, m->w[l], (size_t)m->dims[l] * (size_t)m->dims[l + 1]))) {
            fclose(f);
            free(buf);
            return rc;
        }
        fprintf(f, "%d,%zu,%.4e,%.6f,%.4f,%.5f,%.5f\n", l, s.n, s.mean, s.std, s.kurtosis, s.ks_laplace,
                s.ks_gauss);
    }
    if ((rc = stage_mem(outs, path, f, &buf, &len))) return rc;
    snprintf(path, sizeof path, "%s/run.txt", dir);
    buf = NULL;
    if (!(f = open_memstream(&buf, &len))) return Q2_ENOMEM;
    char arch[256];
    q2_mlp_arch_string(m, arch, sizeof arch);
    fprintf(f, "topology=%s variant=%s seed=%s arch=%s\n", lb->topology ? lb->topology : arch,
            lb->variant ? lb->variant : "base", lb->seed ? lb->seed : "-", arch);
    return stage_mem(outs, path, f, &buf, &len);
}
