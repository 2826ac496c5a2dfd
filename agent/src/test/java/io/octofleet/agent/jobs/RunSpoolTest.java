package io.octofleet.agent.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.octofleet.proto.agent.v1.RunUpdate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunSpoolTest {
    @TempDir
    Path temp;

    private static RunUpdate update(long seq, String text) {
        return RunUpdates.output(OutputChunk.Source.STDOUT, text.getBytes(), 0, text.length(), 0)
                .setRunId("run-1").setRunSeq(seq).build();
    }

    @Test
    void readsBackWhatWasAppendedAfterReopening() throws Exception {
        Path file = temp.resolve("run-1.spool");
        RunSpool spool = RunSpool.open(file);
        spool.append(RunUpdates.started().setRunId("run-1").setRunSeq(1).build());
        spool.append(update(2, "hello"));
        spool.close();

        RunSpool reopened = RunSpool.open(file);

        assertThat(reopened.entries()).extracting(RunSpool.Entry::seq).containsExactly(1L, 2L);
        assertThat(reopened.entries()).extracting(RunSpool.Entry::kind)
                .containsExactly(RunUpdate.KindCase.STARTED, RunUpdate.KindCase.OUTPUT);
        assertThat(reopened.read(reopened.entries().get(1))).isEqualTo(update(2, "hello"));
        assertThat(reopened.size()).isEqualTo(Files.size(file));
    }

    @Test
    void cutsOffARecordTornByACrashAndAppendsAfterTheLastWholeOne() throws Exception {
        Path file = temp.resolve("run-1.spool");
        RunSpool spool = RunSpool.open(file);
        spool.append(update(1, "whole"));
        long whole = spool.size();
        spool.close();
        byte[] torn = new byte[RunSpool.sizeOf(update(2, "torn record"))];
        System.arraycopy(update(2, "torn record").toByteArray(), 0, torn, 1, 10);
        torn[0] = (byte) (torn.length - 1);
        Files.write(file, java.util.Arrays.copyOf(torn, 8), StandardOpenOption.APPEND);

        RunSpool reopened = RunSpool.open(file);
        reopened.append(update(2, "after"));
        reopened.close();

        assertThat(Files.size(file)).isEqualTo(whole + RunSpool.sizeOf(update(2, "after")));
        RunSpool again = RunSpool.open(file);
        assertThat(again.entries()).extracting(RunSpool.Entry::seq).containsExactly(1L, 2L);
        assertThat(again.read(again.entries().get(1))).isEqualTo(update(2, "after"));
    }

    @Test
    void keepsOnlyTheUpdatesFromTheGivenNumberOn() throws Exception {
        RunSpool spool = RunSpool.open(temp.resolve("run-1.spool"));
        for (long seq = 1; seq <= 5; seq++) {
            spool.append(update(seq, "x".repeat(1000)));
        }
        long before = spool.size();

        long freed = spool.keepFrom(4);

        assertThat(spool.entries()).extracting(RunSpool.Entry::seq).containsExactly(4L, 5L);
        assertThat(freed).isEqualTo(before - spool.size());
        assertThat(spool.read(spool.entries().get(0))).isEqualTo(update(4, "x".repeat(1000)));
        spool.append(update(6, "more"));
        assertThat(RunSpool.open(temp.resolve("run-1.spool")).entries()).extracting(RunSpool.Entry::seq)
                .containsExactly(4L, 5L, 6L);
    }
}
