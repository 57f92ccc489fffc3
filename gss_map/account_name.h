#ifndef SSPI_SHIM_GSS_MAP_ACCOUNT_NAME_H
#define SSPI_SHIM_GSS_MAP_ACCOUNT_NAME_H

/*
 * A Kerberos principal -> the "DOMAIN\user" account name that Windows'
 * Kerberos and Negotiate report in SecPkgContext_Names.  DOMAIN is the
 * first label of the realm, uppercased (the NetBIOS domain name an Active
 * Directory domain gets by default): "alice@EXAMPLE.COM" -> "EXAMPLE\alice".
 * A principal without a realm is returned unchanged.  A '@' escaped as
 * "\@" belongs to the name part (RFC 1964 2.1.1).
 * Returns 0 and a malloc'd *out, or an errno value.
 */
int gssmap_account_name(const char *principal, char **out);

#endif
