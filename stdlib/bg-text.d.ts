// .bg files are imported as text (see stdlib/embedded.ts).
declare module "*.bg" {
  const text: string;
  export default text;
}
