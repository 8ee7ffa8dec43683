// OpenBLAS's CBLAS interface (Debian ships cblas.h under the multiarch include dir).
#include <cblas.h>

// OpenBLAS also exports LAPACK's Fortran entry points; Debian has no lapacke.h
// for them, so the one we use (SVD, for the attention refactor) is declared here.
void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda,
             float *s, float *u, const int *ldu, float *vt, const int *ldvt,
             float *work, const int *lwork, int *iwork, int *info);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda,
             double *s, double *u, const int *ldu, double *vt, const int *ldvt,
             double *work, const int *lwork, int *iwork, int *info);
