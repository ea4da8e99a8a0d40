export const modules: string[];
export const frontDoorRule: Record<string, unknown>;
declare const config: { files: string[]; rules: Record<string, unknown> };
export default config;
