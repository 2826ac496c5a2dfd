package io.octofleet.server.auth;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.octofleet.server.OctofleetHome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Creates the local {@code admin} account on the first start. There is no default password: it is
 * OCTOFLEET_ADMIN_PASSWORD when set, otherwise a generated one that is printed once and written to
 * OCTOFLEET_HOME/initial-admin-password (0600). It is an admin of every organization (a super-admin). Later starts
 * leave the account alone.
 */
@Context
final class AdminBootstrap {
    static final String ADMIN = "admin";
    static final String PASSWORD_FILE = "initial-admin-password";
    private static final Logger LOG = LoggerFactory.getLogger(AdminBootstrap.class);

    AdminBootstrap(OperatorRepository operators, PasswordHasher hasher, OctofleetHome home,
                   @Value("${octofleet.admin-password:}") String configuredPassword) {
        if (operators.findByUsername(ADMIN).isPresent()) {
            return;
        }
        boolean generated = configuredPassword == null || configuredPassword.isBlank();
        if (!generated && configuredPassword.length() < 12) {
            throw new IllegalStateException("OCTOFLEET_ADMIN_PASSWORD must be at least 12 characters");
        }
        String password = generated ? SecretTokens.generate("").substring(0, 24) : configuredPassword;
        var id = operators.insertIfAbsent(ADMIN, hasher.hash(password));
        if (id.isEmpty()) {
            return; // another replica created it first
        }
        operators.bindManually(id.get(), BuiltinRole.ADMIN.id(), null, null); // admin of every organization
        if (generated) {
            Path file = home.resolve(PASSWORD_FILE);
            OctofleetHome.writeSecret(file, (password + "\n").getBytes(StandardCharsets.UTF_8));
            LOG.warn("Created operator 'admin' with generated password: {} (also in {}; this is shown only once)",
                    password, file);
        } else {
            LOG.info("Created operator 'admin' with the password from OCTOFLEET_ADMIN_PASSWORD");
        }
    }
}
