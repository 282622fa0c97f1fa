// ipx from npm, as its README sets it up for remote sources, on a plain node:http listener.
// GET /s_512x512,fit_inside,f_<fmt>,q_<q>/http://127.0.0.1:<origin>/<file>
// jpegProgressive is ipx's default (true) turned off, as Tintype's (imgproxy's) default is
// baseline JPEG; everything else is as ipx ships. env: PORT, ORIGIN
import { createServer } from 'node:http';
import { createIPX, createIPXNodeServer, ipxHttpStorage } from 'ipx';

const ipx = createIPX({
  httpStorage: ipxHttpStorage({ domains: [new URL(process.env.ORIGIN).hostname] }),
  sharpOptions: { jpegProgressive: false },
});
createServer(createIPXNodeServer(ipx)).listen(Number(process.env.PORT), '127.0.0.1');
