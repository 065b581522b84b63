package com.cloudbees.plugins.credentials;

import com.cloudbees.plugins.credentials.common.IdCredentials;

/** Mirror of credentials-plugin {@code CredentialsMatchers} (the matchers the plugin uses). */
public class CredentialsMatchers {
    public static CredentialsMatcher always() {
        // real always(): matches everything
        return c -> true;
    }

    public static CredentialsMatcher withId(String id) {
        // real withId (IdMatcher): IdCredentials whose id equals the given one
        return c -> c instanceof IdCredentials ic && ic.getId().equals(id);
    }

    public static CredentialsMatcher instanceOf(Class clazz) {
        // real instanceOf (InstanceOfMatcher): clazz.isInstance
        return clazz::isInstance;
    }

    public static CredentialsMatcher allOf(CredentialsMatcher... matchers) {
        // real CredentialsMatchers.allOf (AllOfMatcher): matches when every given matcher matches (none given: true)
        return c -> {
            for (CredentialsMatcher m : matchers) {
                if (!m.matches(c)) {
                    return false;
                }
            }
            return true;
        };
    }

    public static CredentialsMatcher anyOf(CredentialsMatcher... matchers) {
        // real anyOf (AnyOfMatcher): matches when one of them matches (none given: false)
        return c -> {
            for (CredentialsMatcher m : matchers) {
                if (m.matches(c)) {
                    return true;
                }
            }
            return false;
        };
    }

    public static <C extends Credentials> C firstOrNull(Iterable<C> credentials, CredentialsMatcher matcher) {
        // real firstOrNull: the first matching one, or null
        for (C c : credentials) {
            if (matcher.matches(c)) {
                return c;
            }
        }
        return null;
    }
}
