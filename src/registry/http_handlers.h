/*
 * The API's handlers, one per route of http.c's table (internal). Each
 * runs with the request's user signed in (reg->user; the open routes
 * have no reg), goes through the same permission checks and audit as the
 * command line, and leaves its answer in the request (http_req.h).
 */
#ifndef PWI_HTTP_HANDLERS_H
#define PWI_HTTP_HANDLERS_H

#include <microhttpd.h>

#include "http_int.h"
#include "http_req.h"
#include "reg.h"

enum MHD_Result pwi_h_report(pwi_reg *reg, pwi_http_req *rq, const char *kind);
enum MHD_Result pwi_h_dictionary(pwi_http_req *rq);
enum MHD_Result pwi_h_episode(pwi_reg *reg, pwi_http_req *rq, const char *id);
enum MHD_Result pwi_h_episode_list(pwi_reg *reg, pwi_http_req *rq);
enum MHD_Result pwi_h_stats(pwi_reg *reg, pwi_http_req *rq);
enum MHD_Result pwi_h_me(pwi_reg *reg, pwi_http_req *rq);
enum MHD_Result pwi_h_audit_list(pwi_reg *reg, pwi_http_req *rq);
enum MHD_Result pwi_h_audit_verify(pwi_reg *reg, pwi_http_req *rq);
enum MHD_Result pwi_h_user_add(pwi_reg *reg, pwi_http_req *rq);
/* Marks a POST /records body for the group-commit writer (a CSV body is
 * converted to records first); http.c submits it and answers. */
enum MHD_Result pwi_h_records(pwi_reg *reg, pwi_http_req *rq);
enum MHD_Result pwi_h_assess(pwi_http *h, pwi_reg *reg, pwi_http_req *rq);
enum MHD_Result pwi_h_openapi(pwi_http_req *rq);

#endif /* PWI_HTTP_HANDLERS_H */
