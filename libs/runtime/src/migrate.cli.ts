import { BaseConfigSchema, loadConfig } from './config';
import { migrate } from './migrate';

async function main(): Promise<void> {
  const config = loadConfig(BaseConfigSchema, process.env);
  const applied = await migrate(config.DATABASE_URL);
  console.log(applied.length ? `migrated: ${applied.join(', ')}` : 'migrations: up to date');
}

main().catch((err: Error) => {
  console.error(`migrate failed: ${err.message}`);
  process.exit(1);
});
