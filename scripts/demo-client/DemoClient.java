// The Java producer and consumer of scripts/demo's migration rehearsal.
// Every record the producer writes carries a unique sequence number, and the
// consumer prints every record it reads, so the demo can count records lost
// and read twice across cutovers and rollbacks.
//
// Each runs for the whole rehearsal and moves between clusters inside the
// process, as an application reconfigured at runtime would, so the pause the
// demo reports is what clients see, not a JVM's start-up. The demo drives it
// through a control directory: it writes commands as files cmd-1, cmd-2, ...
// (renamed into place, so never read half-written), and the client answers
// each with done-N once it is carried out:
//
//   hold       producer: stop sending, flush (every sequence number printed
//              was acknowledged with acks=all) and close; consumer: commit
//              only what it printed and close (it leaves the group, so the
//              group is empty on that cluster). Answer: "held T", T the
//              wall-clock ms of the last acknowledgement (producer) or of
//              the last record read (consumer; the hold itself when it
//              read none).
//   go BOOT    connect to BOOT and carry on. Answered when the first record
//              is acknowledged / read there: "resumed T" (wall-clock ms).
//   stop       as hold, then exit (1 if a record was not acknowledged).
//
//   produce BOOTSTRAP TOPIC FIRST RATE CONTROLDIR   prints acknowledged "seq-N"
//   consume BOOTSTRAP TOPIC GROUP CONTROLDIR        prints each record's value
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class DemoClient {
  public static void main(String[] args) throws Exception {
    if (args.length == 6 && args[0].equals("produce")) {
      produce(args[1], args[2], Long.parseLong(args[3]), Integer.parseInt(args[4]),
          Path.of(args[5]));
    } else if (args.length == 5 && args[0].equals("consume")) {
      consume(args[1], args[2], args[3], Path.of(args[4]));
    } else {
      System.err.println("usage: produce BOOTSTRAP TOPIC FIRST RATE CONTROLDIR"
          + " | consume BOOTSTRAP TOPIC GROUP CONTROLDIR");
      System.exit(2);
    }
  }

  // The demo's commands, one file each, in order.
  static final class Control {
    private final Path dir;
    private int next = 1;

    Control(Path dir) {
      this.dir = dir;
    }

    // The next command, or null while the demo has not written it.
    String poll() throws Exception {
      Path cmd = dir.resolve("cmd-" + next);
      return Files.exists(cmd) ? Files.readString(cmd).trim() : null;
    }

    void answer(String text) throws Exception {
      Path tmp = dir.resolve("done-" + next + ".tmp");
      Files.writeString(tmp, text + "\n");
      Files.move(tmp, dir.resolve("done-" + next), StandardCopyOption.ATOMIC_MOVE);
      ++next;
    }
  }

  static KafkaProducer<String, String> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  static void produce(String bootstrap, String topic, long first, int rate, Path controlDir)
      throws Exception {
    Control control = new Control(controlDir);
    AtomicLong failed = new AtomicLong();
    AtomicLong lastAckMs = new AtomicLong();
    AtomicLong firstAckMs = new AtomicLong();  // the first acknowledgement on the current cluster
    KafkaProducer<String, String> producer = producer(bootstrap);
    long next = first;
    long pacedFrom = next;
    long start = System.nanoTime();
    boolean resuming = false;  // a "go" waits for its first acknowledgement
    while (true) {
      String cmd = control.poll();
      if (cmd != null && !resuming && producer != null
          && (cmd.equals("hold") || cmd.equals("stop"))) {
        producer.flush();
        producer.close();
        producer = null;
        System.out.flush();
        control.answer("held " + lastAckMs.get());
        if (cmd.equals("stop")) break;
      } else if (cmd != null && !resuming && producer == null && cmd.startsWith("go ")) {
        producer = producer(cmd.substring(3));
        firstAckMs.set(0);
        resuming = true;
        // Paced from now: no burst for the time it was held.
        pacedFrom = next;
        start = System.nanoTime();
      } else if (cmd != null && !resuming) {
        System.err.println("unexpected command '" + cmd + "'");
        System.exit(2);
      }
      if (resuming && firstAckMs.get() > 0) {
        resuming = false;
        control.answer("resumed " + firstAckMs.get());
      }
      if (producer != null) {
        // Paced: `rate` records per second since the (re)start.
        long due = (System.nanoTime() - start) * rate / 1_000_000_000L + pacedFrom;
        for (; next <= due; ++next) {
          final String value = "seq-" + next;
          producer.send(new ProducerRecord<>(topic, "key-" + (next % 1000), value), (md, e) -> {
            if (e == null) {
              System.out.println(value);
              final long now = System.currentTimeMillis();
              lastAckMs.set(now);
              firstAckMs.compareAndSet(0, now);
            } else {
              failed.incrementAndGet();
              System.err.println("not acknowledged: " + value + ": " + e);
            }
          });
        }
      }
      Thread.sleep(5);
    }
    System.out.flush();
    System.exit(failed.get() == 0 ? 0 : 1);
  }

  static KafkaConsumer<String, String> consumer(String bootstrap, String topic, String group) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    KafkaConsumer<String, String> c = new KafkaConsumer<>(p);
    c.subscribe(List.of(topic));
    return c;
  }

  static void consume(String bootstrap, String topic, String group, Path controlDir)
      throws Exception {
    Control control = new Control(controlDir);
    KafkaConsumer<String, String> consumer = consumer(bootstrap, topic, group);
    boolean resuming = false;
    long lastReadMs = 0;  // when the last record was read
    while (true) {
      String cmd = control.poll();
      if (cmd != null && !resuming && consumer != null
          && (cmd.equals("hold") || cmd.equals("stop"))) {
        // Every poll's records were printed and committed below.
        final long heldAt = System.currentTimeMillis();
        consumer.close();
        consumer = null;
        control.answer("held " + (lastReadMs > 0 ? lastReadMs : heldAt));
        if (cmd.equals("stop")) break;
      } else if (cmd != null && !resuming && consumer == null && cmd.startsWith("go ")) {
        consumer = consumer(cmd.substring(3), topic, group);
        resuming = true;
      } else if (cmd != null && !resuming) {
        System.err.println("unexpected command '" + cmd + "'");
        System.exit(2);
      }
      if (consumer == null) {
        Thread.sleep(5);
        continue;
      }
      var records = consumer.poll(Duration.ofMillis(50));
      final long readAt = System.currentTimeMillis();
      for (ConsumerRecord<String, String> r : records) System.out.println(r.value());
      System.out.flush();
      // Only what was printed is committed.
      if (!records.isEmpty()) {
        consumer.commitSync();
        lastReadMs = readAt;
      }
      if (resuming && !records.isEmpty()) {
        resuming = false;
        control.answer("resumed " + readAt);
      }
    }
    System.out.flush();
  }
}
