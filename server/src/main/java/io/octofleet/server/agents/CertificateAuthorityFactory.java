package io.octofleet.server.agents;

import io.micronaut.context.annotation.Factory;
import io.octofleet.server.OctofleetHome;
import io.octofleet.server.pki.CertificateAuthority;
import jakarta.inject.Singleton;

import java.time.Clock;

@Factory
final class CertificateAuthorityFactory {
    @Singleton
    CertificateAuthority certificateAuthority(OctofleetHome home) {
        return CertificateAuthority.loadOrCreate(home.resolve("pki"), Clock.systemUTC());
    }
}
