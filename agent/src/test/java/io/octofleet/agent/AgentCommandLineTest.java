package io.octofleet.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI's refusals, which happen before any network traffic. */
class AgentCommandLineTest {
    @TempDir
    Path dir;

    @Test
    void versionExitsZero() {
        assertThat(AgentMain.execute("version")).isZero();
    }

    @Test
    void firstStartWithoutJoinIsAUsageError() throws Exception {
        assertThat(AgentMain.execute("run", "--state-dir", dir.resolve("state").toString())).isEqualTo(2);
        assertThat(Files.getPosixFilePermissions(dir.resolve("state"))).isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void malformedJoinStringIsAUsageError() {
        assertThat(AgentMain.execute("run", "--join", "https://example/not-a-join", "--state-dir",
                dir.resolve("state").toString())).isEqualTo(2);
    }

    @Test
    void sharedStateDirIsRefusedAndLeftAlone() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(AgentMain.execute("run", "--state-dir", shared.toString())).isEqualTo(2);
        assertThat(Files.getPosixFilePermissions(shared)).isEqualTo(PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    @Test
    void badDurationIsRefused() {
        assertThat(AgentMain.execute("run", "--inventory-interval", "soon", "--state-dir", dir.toString())).isEqualTo(2);
    }

    @Test
    void badSpoolLimitIsRefused() {
        assertThat(AgentMain.execute("run", "--spool-limit", "lots", "--state-dir", dir.toString())).isEqualTo(2);
        assertThat(AgentMain.execute("run", "--spool-limit", "0", "--state-dir", dir.toString())).isEqualTo(2);
    }

    @Test
    void spoolLimitsReadAsOperatorsTypeThem() {
        ByteSizeConverter sizes = new ByteSizeConverter();
        assertThat(sizes.convert("256MiB")).isEqualTo(256L * 1024 * 1024);
        assertThat(sizes.convert("1g")).isEqualTo(1L << 30);
        assertThat(sizes.convert("512k")).isEqualTo(512L * 1024);
        assertThat(sizes.convert("1048576")).isEqualTo(1048576L);
    }
}
